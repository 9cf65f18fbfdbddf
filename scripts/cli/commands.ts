/** Every CLI command, in the order the overview lists them. */
import { keyList, tenantDisable, tenantEnable } from "./access";
import { auditList } from "./audit";
import { callGet, callHangup } from "./call";
import { callsList, callsStop } from "./calls";
import type { Command } from "./command";
import { connectionDelete, connectionGet, connectionPut } from "./connection";
import { keyCreate, keyRevoke } from "./key";
import { policyPublish, policyTest, policyValidate } from "./policy";
import { tenantGet, tenantPut } from "./tenant";

export const COMMANDS: Command[] = [tenantPut, tenantGet, tenantDisable, tenantEnable, keyCreate, keyList, keyRevoke, connectionPut, connectionGet, connectionDelete, policyValidate, policyTest, policyPublish, callGet, callHangup, callsList, callsStop, auditList];
