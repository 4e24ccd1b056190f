import Database from 'better-sqlite3';
import { createServer } from 'node:http';

/**
 * The naive hand-written server the records benchmark measures Kiln against: bare node:http, one
 * prepared better-sqlite3 statement for the page, JSON.stringify. No auth, no validation, no
 * totals, no health score, no logging, no metrics.
 *   node --import tsx bench/baseline-server.ts <sqlite file> <port>
 */
const [file, port] = process.argv.slice(2) as [string, string];
const db = new Database(file, { readonly: true });
const page = db.prepare(
  `select * from builds where job_id = ? and start_time >= ? and start_time < ?
   order by start_time desc, number desc limit ? offset ?`,
);

const wall = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const m = /^\/v3\/jobs\/([0-9a-z]{32})\/build-info-records$/.exec(url.pathname);
  if (!m) {
    res.writeHead(url.pathname === '/readyz' ? 200 : 404).end();
    return;
  }
  const q = url.searchParams;
  const size = Number(q.get('page_size') ?? 10);
  const index = Number(q.get('page_index') ?? 0);
  const rows = page.all(
    m[1],
    wall(q.get('start_time') ?? ''),
    wall(q.get('end_time') ?? '') + 1000,
    size,
    index * size,
  ) as Record<string, unknown>[];
  const records = rows.map((r) => ({
    number: r.number,
    build_time: r.build_time,
    start_time: r.start_time,
    job_running_status: r.running_status,
    state: r.state,
    user_id: r.user_id,
    executor: r.executor,
    nickname: r.nickname,
    daily_build_number: r.daily_build_number,
    trigger_type: r.trigger_type,
    cost_time: r.cost_time,
    commit_id: r.commit_id,
    commit_info: {
      commit_id: r.commit_id,
      created_at: r.commit_time === null ? '' : new Date(r.commit_time as number).toISOString(),
    },
    build_type: r.build_type,
    code_branch: r.code_branch,
    scm_type: r.scm_type,
    scm_web_url: r.scm_web_url,
    commit_detail_url: r.scm_web_url ? `${String(r.scm_web_url)}/commit/${String(r.commit_id)}` : '',
  }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      result: { page_index: String(index), job_build_states: records },
      error: null,
      status: 'success',
    }),
  );
}).listen(Number(port), '127.0.0.1');
