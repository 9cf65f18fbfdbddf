/** Every CLI command, in the order the overview lists them. */
import { callGet, callHangup } from "./call";
import type { Command } from "./command";
import { connectionPut } from "./connection";
import { keyCreate, keyRevoke } from "./key";
import { policyPublish, policyTest, policyValidate } from "./policy";
import { tenantPut } from "./tenant";

export const COMMANDS: Command[] = [tenantPut, keyCreate, keyRevoke, connectionPut, policyValidate, policyTest, policyPublish, callGet, callHangup];
