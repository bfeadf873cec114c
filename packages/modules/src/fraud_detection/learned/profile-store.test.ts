import { coreTesting } from '@tsips/core';
import { Population, UserProfile, hash32 } from './profile';
import { POPULATION_ROW, ProfileStore } from './profile-store';

let tmp: coreTesting.TempDb;
beforeEach(async () => { tmp = await coreTesting.TempDb.create('tsips-frps-', ['fraud_detection']); });
afterEach(() => tmp.remove());

it('saves in batches (more than one transaction), reads each user back, and the population prior', async () => {
  await tmp.with(async (db) => {
    const logs: string[] = [];
    const store = new ProfileStore(db, 'fraud_profiles', (_l, t) => logs.push(t));
    const profiles: [string, UserProfile][] = [];
    for (let i = 0; i < 1201; i++) {
      const p = new UserProfile();
      p.rollDay(20_000);
      p.noteAttempt(1_700_000_000_000 + i);
      p.learn(9, 'GB:mobile', hash32(`+4474001${i}`), '10.0.0.1', 1_700_000_000_000 + i, 1);
      profiles.push([`user${i}`, p]);
    }
    const pop = new Population();
    pop.learn('user1', 20_000, 9, 'GB:mobile', 1);
    expect(await store.save(profiles, pop.toJSON(), 1_700_000_100_000)).toBe(1202);
    const rows = await db.query('fraud_profiles', { columns: ['username', 'updated'] });
    expect(rows).toHaveLength(1202);
    expect(new Set(rows.map((r) => r['updated']))).toEqual(new Set([1_700_000_100]));
    expect(UserProfile.fromJSON(store.load('user1200')!).toJSON()).toEqual(profiles[1200]![1].toJSON());
    expect(store.load('nobody')).toBeUndefined();
    expect(Population.fromJSON(store.loadPopulation()!).calls).toBe(1);
    expect(rows.some((r) => r['username'] === POPULATION_ROW)).toBe(true);
    // A damaged row is logged and read as none: the user starts afresh.
    await db.update('fraud_profiles', { keys: ['username'], values: ['user7'] }, { profile: '{not json' });
    expect(store.load('user7')).toBeUndefined();
    expect(logs.join('\n')).toMatch(/saved profile of 'user7' is not JSON/);
  });
});
