import { Session } from 'chdb';
const s = new Session('/tmp/q13/statdir');
await s.queryAsync('CREATE TABLE IF NOT EXISTS default.t (a UInt64) ENGINE = MergeTree ORDER BY a', { format: 'TabSeparated' });
await s.queryAsync('INSERT INTO default.t SELECT number FROM numbers(100000)', { format: 'TabSeparated' });
const r = await s.queryBindAsync('SELECT sum(a) AS x FROM default.t WHERE a < {n:UInt64}', { n: 50000 }, { format: 'JSON' });
console.log(r.text().slice(-300), r.rowsRead, r.bytesRead);
s.close();
