/**
 * TryVox callbacks (`hangup_url`, `status_callback_url`): JSON, unsigned, so accepted only from
 * connections with `callbacks: "unsigned-ok"`. What the body says is read by ./lifecycle.ts (mostly
 * inferred: TryVox documents little of it).
 */
import { unsigned, type CallbackDialect } from "../callbacks/types";
import { tryvoxEvent } from "./lifecycle";

export const tryvoxCallbacks: CallbackDialect = {
  verify: unsigned,

  parse(request) {
    return tryvoxEvent(request.body);
  },
};
