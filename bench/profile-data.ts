/** Profile data of realistic shape, about 130 bytes as JSON: what the benchmarks store and send. */
export function profileData(i: number) {
  return {
    plan: i % 3 === 0 ? 'pro' : 'free',
    theme: i % 2 ? 'dark' : 'light',
    locale: 'en-GB',
    progress: { level: i % 50, xp: (i * 7919) % 100_000, badges: ['first-login', 'streak-7'] },
    note: `imported row ${i}`,
  };
}
