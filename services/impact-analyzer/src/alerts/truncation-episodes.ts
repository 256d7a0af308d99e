/** Groups remembered at most: a group whose alerts all resolved while cut is never sent again to be forgotten. */
const GROUPS_REMEMBERED = 10_000;

/**
 * How many alerts each sender's group was last cut by (truncatedAlerts), so the same cut is counted
 * once however often the group's notification comes again: Alertmanager re-sends it every
 * repeat_interval, and retries it, each with the same count. A changed count is a new cut (alerts
 * joined or left the group), and a notification that leaves nothing out ends the group's cut.
 * In this process's memory: another replica, or this one restarted, counts a cut once more.
 */
export class TruncationEpisodes {
  private readonly lastCut = new Map<string, number>();

  constructor(private readonly groupsRemembered = GROUPS_REMEMBERED) {}

  /** The alerts this notification newly says were left out: its truncatedAlerts when the group's cut is new or changed, else 0. */
  newlyLeftOut(sender: string, groupKey: string, truncatedAlerts: number): number {
    const group = `${sender}\u0000${groupKey}`;
    const last = this.lastCut.get(group);
    // Taken out and set again, so the groups heard from longest ago are the first forgotten.
    this.lastCut.delete(group);
    if (truncatedAlerts === 0) return 0;
    this.lastCut.set(group, truncatedAlerts);
    if (this.lastCut.size > this.groupsRemembered) this.lastCut.delete(this.lastCut.keys().next().value!);
    return truncatedAlerts === last ? 0 : truncatedAlerts;
  }
}
