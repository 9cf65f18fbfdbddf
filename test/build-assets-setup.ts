/** The Workers tests read public/ through env.ASSETS: the copied and generated files must be there first. */
import { buildAssets } from "../scripts/build-assets";

export default function setup() {
  buildAssets();
}
