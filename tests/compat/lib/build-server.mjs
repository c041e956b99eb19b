// `npm test` runs this first (as `pretest`): builds the server and latchkey-verify (the authenticator app, which
// test/device-management.test.mjs runs) in Release so that the suite tests the current source. Skipped when LATCHKEY_SERVER_DLL names a prebuilt DLL or
// LATCHKEY_SKIP_BUILD=1 (e.g. when CI has just built the solution).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './server.mjs';

if (process.env.LATCHKEY_SERVER_DLL) {
  console.log(`compat: using LATCHKEY_SERVER_DLL=${process.env.LATCHKEY_SERVER_DLL}, not building`);
  process.exit(0);
}
if (process.env.LATCHKEY_SKIP_BUILD === '1') {
  console.log('compat: LATCHKEY_SKIP_BUILD=1, not building');
  process.exit(0);
}

for (const name of ['Latchkey.Server', 'Latchkey.Verify']) {
  const project = join(REPO_ROOT, 'src', name);
  console.log(`compat: dotnet build ${project} -c Release`);
  const result = spawnSync('dotnet', ['build', project, '-c', 'Release', '-nologo', '-v', 'quiet'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (result.error) {
    console.error(`compat: could not run dotnet: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`compat: building ${name} failed (exit ${result.status}); the suite needs it built.`);
    process.exit(result.status ?? 1);
  }
}
