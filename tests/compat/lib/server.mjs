// Starts a real Latchkey server process for one test file and stops it again.
//
//   const server = await startServer({ env: { Latchkey__RateLimits__Buckets__user__Limit: '3' } });
//   ... server.url, server.token ...
//   await server.stop();
//
// The server runs from the built DLL (env LATCHKEY_SERVER_DLL, default
// src/Latchkey.Server/bin/Release/net10.0/latchkey.dll), on a free loopback port,
// with a fresh data directory, a random bootstrap API token, SQLite by default or
// PostgreSQL when LATCHKEY_TEST_POSTGRES holds a connection string without Database.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEFAULT_DLL = join(REPO_ROOT, 'src', 'Latchkey.Server', 'bin', 'Release', 'net10.0', 'latchkey.dll');

const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const MAX_LOG_CHARS = 20_000;

// Every process started here, so that none outlives the test process even if a file
// forgets its after() or the runner is interrupted.
const running = new Set();
function killAllSync() {
  for (const child of running) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
}
process.once('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { killAllSync(); process.exit(130); });
}

export function serverDll() {
  const dll = process.env.LATCHKEY_SERVER_DLL ? resolve(process.env.LATCHKEY_SERVER_DLL) : DEFAULT_DLL;
  if (!existsSync(dll)) {
    throw new Error(
      `Latchkey server DLL not found at ${dll}.\n` +
      'Build it first: dotnet build src/Latchkey.Server -c Release (from the repository root),\n' +
      'or point LATCHKEY_SERVER_DLL at a built latchkey.dll.');
  }
  return dll;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function tail(text) {
  return text.length > MAX_LOG_CHARS ? '...' + text.slice(-MAX_LOG_CHARS) : text;
}

/**
 * Best effort: drops the per-server database with psql when psql is installed.
 * Maps the Npgsql keys Host, Port, Username/User ID and Password.
 */
function dropDatabase(connectionString, database) {
  const parts = {};
  for (const pair of connectionString.split(';')) {
    const i = pair.indexOf('=');
    if (i > 0) parts[pair.slice(0, i).trim().toLowerCase().replace(/\s+/g, '')] = pair.slice(i + 1).trim();
  }
  const args = ['-d', 'postgres', '-qAtc', `DROP DATABASE IF EXISTS "${database}"`];
  if (parts.host || parts.server) args.push('-h', parts.host || parts.server);
  if (parts.port) args.push('-p', parts.port);
  const user = parts.username || parts.userid || parts.user;
  if (user) args.push('-U', user);
  const env = { ...process.env };
  if (parts.password) env.PGPASSWORD = parts.password;
  try {
    spawnSync('psql', args, { env, stdio: 'ignore', timeout: 10_000 });
  } catch { /* psql missing: the database stays */ }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @param {{ env?: Record<string,string> }} [options] extra environment for the server process
 * @returns {Promise<{url: string, port: number, token: string, dataDir: string, database: string,
 *   output: () => string, stop: () => Promise<void>}>}
 */
export async function startServer(options = {}) {
  const dll = serverDll();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const token = '00' + randomBytes(30).toString('base64url');
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-compat-'));

  const env = { ...process.env };
  // Inherited settings that would fight with ours.
  for (const key of Object.keys(env)) {
    if (/^(ASPNETCORE_URLS|ASPNETCORE_HTTP_PORTS|ASPNETCORE_HTTPS_PORTS|DOTNET_URLS|URLS)$/i.test(key) || /^Latchkey__/i.test(key)) {
      delete env[key];
    }
  }
  Object.assign(env, {
    Urls: url,
    Latchkey__DataDir: dataDir,
    Latchkey__BootstrapApiToken: token,
    Latchkey__Demo: 'false',
    Latchkey__Passwords__Pbkdf2Iterations: '1000',
    DOTNET_NOLOGO: '1',
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  });
  let database;
  if (process.env.LATCHKEY_TEST_POSTGRES) {
    const base = process.env.LATCHKEY_TEST_POSTGRES.replace(/;+\s*$/, '');
    database = `latchkey_compat_${randomBytes(6).toString('hex')}`;
    env.Latchkey__Database__Provider = 'Postgres';
    env.Latchkey__Database__ConnectionString = `${base};Database=${database}`;
  } else {
    database = 'sqlite';
    env.Latchkey__Database__Provider = 'Sqlite';
  }
  Object.assign(env, options.env ?? {});

  // The DLL's folder is the content root, as when the server is started from its build output.
  const child = spawn('dotnet', [dll], { cwd: dirname(dll), env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { log = tail(log + d); });
  child.stderr.setEncoding('utf8').on('data', (d) => { log = tail(log + d); });
  let exited = null;
  const exitPromise = new Promise((r) => child.once('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
    r();
  }));
  child.once('error', (err) => { log += `\n[spawn error] ${err.message}`; exited ??= { code: -1, signal: null }; });

  const cleanup = () => {
    try { rmSync(dataDir, { recursive: true, force: true }); } catch { /* best effort */ }
    if (process.env.LATCHKEY_TEST_POSTGRES) dropDatabase(process.env.LATCHKEY_TEST_POSTGRES, database);
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, STOP_GRACE_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    cleanup();
  };

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (exited) {
      cleanup();
      throw new Error(`Latchkey server exited during start-up (code ${exited.code}, signal ${exited.signal}).\n` +
        `dll: ${dll}\n--- server output ---\n${log}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
      lastProblem = `GET /healthz answered ${res.status}`;
    } catch (err) {
      lastProblem = `GET /healthz failed: ${err.cause?.code ?? err.message}`;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Latchkey server not healthy after ${HEALTH_TIMEOUT_MS / 1000} s (${lastProblem}).\n` +
        `dll: ${dll}\n--- server output ---\n${log}`);
    }
    await sleep(200);
  }

  return { url, port, token, dataDir, database, output: () => log, stop };
}
