/**
 * Every duty of a call's object, in the order the alarm runs those that are due and the order in which
 * they fold a finished round into the call (the retry decides before the outbox reads it). Adding a duty
 * is adding a file beside these and a line here.
 */
import type { Duty } from "./duty";
import { indexReportDuty } from "./index-report";
import { outboxDuty } from "./outbox";
import { reconcileDuty } from "./reconcile";
import { releaseDuty } from "./release";
import { retentionDuty } from "./retention";
import { retryDuty } from "./retry";
import { roundDuty } from "./round";
import { watchDuty } from "./watch";

export const DUTIES: readonly Duty[] = [roundDuty, indexReportDuty, watchDuty, retryDuty, reconcileDuty, releaseDuty, outboxDuty, retentionDuty];

export { watchDuty };
