import { afterAll, describe, expect, it } from 'vitest';
import { ClusterIndex, DEFAULT_CLUSTER_OPTIONS, similarity, titleTokens } from '../src/core/feeds/cluster.js';
import type { FeedConfig } from '../src/core/feeds/config.js';
import { pollOnce } from '../src/core/feeds/poll.js';
import { testDeps } from './helpers/feed-deps.js';

const t = testDeps();
afterAll(() => t.cleanup());
const anchors = t.deps.cluster.anchors;

describe('clustering the same story across outlets', () => {
  it('given reworded headlines of one story, then they are similar; different stories on one topic are not', () => {
    const s = (a: string, b: string) => similarity(titleTokens(a), titleTokens(b), anchors);
    const nato = 'Colombia to end NATO global partnership over Gaza, Petro says';
    expect(s(nato, 'Petro says Colombia will end NATO global partnership over Gaza')).toBeGreaterThanOrEqual(
      0.6,
    );
    expect(s(nato, 'NATO says its partnership with Colombia remains in place')).toBeLessThan(0.6);
    expect(s(nato, 'Colombian troops join NATO cyber exercise in Estonia')).toBeLessThan(0.6);
    expect(
      s(
        'US decertifies Colombia as drug-war partner for first time in 30 years',
        'US decertifies Colombia in drug war for the first time in 30 years',
      ),
    ).toBeGreaterThanOrEqual(0.6);
    expect(
      s(
        'US decertifies Colombia as drug-war partner for first time in 30 years',
        'Colombia suspends purchases of US weapons after decertification',
      ),
    ).toBeLessThan(0.6);
  });

  it('given a negation, or each title naming a country or body the other does not, then they are two stories however many words they share', () => {
    const s = (a: string, b: string) => similarity(titleTokens(a), titleTokens(b), anchors);
    // Each pair was one story (0.71–1.00): the later one joined a story already posted, and was never shown.
    expect(s('Colombia will not renew NATO partnership', 'Colombia will renew NATO partnership')).toBe(0);
    expect(s('Colombia no dejará la OTAN', 'Colombia dejará la OTAN')).toBe(0);
    expect(s('UN condemns attack in Cauca', 'US condemns attack in Cauca')).toBe(0);
    expect(s('Colombia and China sign port deal', 'Colombia and US sign port deal')).toBe(0);
    // The same country however it is written, and one naming fewer countries, still one story.
    expect(s('U.S. condemns attack in Cauca', 'US condemns attack in Cauca')).toBe(1);
    expect(s('EE.UU. condena ataque en Cauca', 'EEUU condena el ataque en Cauca')).toBe(1);
    expect(s('Petro meets Xi in Beijing as China courts Colombia', 'Petro meets Xi in Beijing, Colombia says')).toBeGreaterThanOrEqual(0.6);
    // Spelt out, dotted, by its people or its capital: still that country.
    expect(s('U.N. condemns attack in Cauca', 'U.S. condemns attack in Cauca')).toBe(0);
    expect(s('Naciones Unidas condena masacre en Cauca', 'Estados Unidos condena masacre en Cauca')).toBe(0);
    expect(s('US decertifies Colombian drug fight for first time in decades', 'Washington decertifies Colombia drug fight for first time in decades')).toBe(1);
    expect(s('Trump slaps 25% tariffs on Colombia over deportation flights', 'US slaps 25% tariffs on Colombian goods over deportation flights')).toBeGreaterThanOrEqual(0.6);
    // "No. 2" is a number, and "UN" in a headline in capitals is Spanish "un".
    expect(s('Colombia, no. 2 coffee exporter, hit by US tariffs', 'Colombia, top coffee exporter, hit by US tariffs')).toBeGreaterThanOrEqual(0.6);
    // In capitals too (a real Google News pair, split by the first version of this rule).
    expect(s('NO. 17 ILLINOIS 85, NO. 2 TEXAS 78, OT', 'Quick hits: No. 17 Illini notch big win in Big Apple with 85-78 OT win over No. 2 Texas')).toBeGreaterThan(0);
    expect(s('PETRO FIRMA UN ACUERDO CON VENEZUELA', 'Petro firma acuerdo con Venezuela y Ecuador')).toBeGreaterThanOrEqual(0.6);
  });

  it('given a window, then the same words a week apart are separate stories', () => {
    const index = new ClusterIndex({ ...DEFAULT_CLUSTER_OPTIONS, anchors });
    index.add({
      clusterId: 1,
      title: 'Petro anuncia que Colombia dejará la OTAN',
      publishedAt: new Date('2025-07-16T00:00:00Z'),
    });
    expect(
      index.find('Colombia dejará la OTAN, anuncia Petro', new Date('2025-07-17T00:00:00Z'))?.clusterId,
    ).toBe(1);
    expect(
      index.find('Colombia dejará la OTAN, anuncia Petro', new Date('2025-07-24T00:00:00Z')),
    ).toBeUndefined();
  });

  it('given the four sample feeds, then each cross-outlet story is one cluster naming every outlet (by the site’s name in each feed’s title)', async () => {
    const feeds: FeedConfig[] = [
      'andes-wire.xml',
      'hemisphere-monitor.atom',
      'diario-de-los-andes-cp1252.xml',
      'google-news-colombia-es.xml',
    ].map((file, i) => ({
      name: `sample-${i}`,
      url: new URL(`../examples/feeds/${file}`, import.meta.url).href,
      local: true,
      language: i < 2 ? 'en' : 'es',
      interval: 30,
    }));
    const summary = await pollOnce(feeds, t.deps);
    expect(summary.failed).toBe(0);
    const clusters = await t.store.clusters(new Date(0));
    const find = (words: string) => clusters.filter((c) => c.items.some((i) => i.title.includes(words)));

    const natoEn = find('end NATO global partnership');
    expect(natoEn).toHaveLength(1);
    expect(natoEn[0]?.outlets.sort()).toEqual(['Andes Wire', 'Hemisphere Monitor']);
    const natoEs = find('socio global de la OTAN');
    expect(natoEs).toHaveLength(1);
    expect(natoEs[0]?.outlets.sort()).toEqual([
      'El Diario de los Andes',
      'El Heraldo Andino',
      'Noticias del Pacífico',
    ]);
    expect(find('US decertifies Colombia')).toHaveLength(1);
    expect(find('US decertifies Colombia')[0]?.items).toHaveLength(2);
    // Same topic, different stories: their own clusters.
    expect(find('remains in place')[0]?.items).toHaveLength(1);
    expect(find('suspends purchases')[0]?.items).toHaveLength(1);
    expect(natoEn[0]?.topics).toEqual(['nato-status']);
    console.log(
      `clusters from the samples:\n${clusters.map((c) => `  [${c.topics.join(',') || '-'}] ${c.title} — ${c.outlets.join('; ')}`).join('\n')}`,
    );
  });
});
