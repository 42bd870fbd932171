import type { Clock } from '../../clock.js';
import type { AccountCounts, DailyLogins, OverviewRepository } from './overview-repository.js';

const DAY_MS = 24 * 3600 * 1000;

export interface Overview {
  counts: AccountCounts;
  /** Oldest first, one entry per UTC day up to today, zeros included. */
  days: DailyLogins[];
}

/** What the console's overview shows: how many accounts and apps, and logins over the last days. */
export class OverviewService {
  constructor(private readonly deps: { overview: OverviewRepository; clock: Clock }) {}

  async overview(days: number): Promise<Overview> {
    const today = Math.floor(this.deps.clock().getTime() / DAY_MS) * DAY_MS;
    const from = new Date(today - (days - 1) * DAY_MS);
    const [counts, logins] = await Promise.all([this.deps.overview.counts(), this.deps.overview.loginsByDay(from)]);
    const byDay = new Map(logins.map((entry) => [entry.day, entry]));
    const series = Array.from({ length: days }, (_unused, index) => {
      const day = new Date(from.getTime() + index * DAY_MS).toISOString().slice(0, 10);
      return byDay.get(day) ?? { day, succeeded: 0, failed: 0 };
    });
    return { counts, days: series };
  }
}
