/** The Workers tests read public/ through env.ASSETS: the files copied from npm must be there first. */
import { copyAssets } from "../scripts/copy-assets";

export default function setup() {
  copyAssets();
}
