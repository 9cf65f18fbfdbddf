/** The sentences decisions are explained in, shared by the rule kinds so they read alike. */

/** "1st", "2nd", "101st": the place a count gives the judged call. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/**
 * A termination's detail: what an enforced rule does, or what a shadow rule would have done, e.g.
 * "Would hang up (101st live call on connection main, over the limit of 100)."
 */
export function terminateDetail(shadow: boolean, reason: string): string {
  return shadow ? `Would hang up (${reason}).` : `${reason[0]!.toUpperCase()}${reason.slice(1)}.`;
}
