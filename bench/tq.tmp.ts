import 'reflect-metadata';
import { DataSource } from 'typeorm';
(async () => {
  const ds = new DataSource({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', extra: { max: 4, pipeline: process.env.PIPE === '1' } });
  await ds.initialize();
  const pool = (ds.driver as any).master;
  const time = async (label: string, fn: () => Promise<unknown>, n = 2000) => {
    for (let i = 0; i < 200; i++) await fn();
    const t: number[] = [];
    for (let i = 0; i < n; i++) { const s = performance.now(); await fn(); t.push(performance.now() - s); }
    t.sort((a, b) => a - b); console.log(label.padEnd(40), 'p50', t[n / 2].toFixed(3), 'p90', t[Math.floor(n * 0.9)].toFixed(3));
  };
  await time('raw pool.query', () => pool.query('SELECT $1::int', [1]));
  await time('typeorm ds.query', () => ds.query('SELECT $1::int', [1]));
  await time('typeorm tx with 1 query', () => ds.transaction((tx) => tx.query('SELECT $1::int', [1])), 1000);
  await ds.transaction(async (tx) => { await time('typeorm query inside tx', () => tx.query('SELECT $1::int', [1])); });
  const c = await pool.connect();
  await time('raw client BEGIN/q/COMMIT', async () => { await c.query('BEGIN'); await c.query('SELECT $1::int', [1]); await c.query('COMMIT'); }, 1000);
  c.release();
  await ds.destroy();
})();
