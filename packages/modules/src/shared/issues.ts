/**
 * Where the behaviour of a declared export comes from. Each reason names the tsips issue
 * that implements it, so the "not implemented yet" error a script meets says where to look.
 */
export const ISSUE = {
  /** Issue 4: transports, sl/tm/rr/maxfwd, registrar/usrloc, textops basics, database. */
  sipCore: 'comes with the SIP core issue (#4)',
  /** Issue 5: pike, ratelimit, cachedb_local, auth/auth_db, events. */
  outsideAttacks: 'comes with the outside-attacks issue (#5)',
  /** Issue 6: sipmsgops validation, dialog, blacklists, drouting, permissions, userblacklist. */
  insideAttacks: 'comes with the inside-attacks issue (#6)',
  /** Declared so existing scripts load; no issue schedules the behaviour yet. */
  unscheduled: 'is declared for script compatibility; no tsips issue schedules it yet',
} as const;

export type IssueReason = (typeof ISSUE)[keyof typeof ISSUE];
