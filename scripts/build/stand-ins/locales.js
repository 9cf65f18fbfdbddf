// Stands in for zod's locale index in the deployed bundle (see README.md here): English only. zod
// imports English itself for its default messages, so this only keeps `z.locales.en` working.
export { default as en } from "zod/v4/locales/en.js";
