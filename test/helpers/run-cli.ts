// Runs the built jnhp-gateway command to its exit, for what it prints and
// its exit code (bad flags, --help, --version, startup errors).

import { spawn } from 'node:child_process';
import { gatewayBin } from './repo-root.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without any setting of the gateway's own, so that only the test's count. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('JNHP_') && key !== 'REDIS_URL' && key !== 'LOG_LEVEL',
    ),
  );
  return { ...env, ...extra };
}

/** Runs the gateway command to its exit; kills it (by PID) if it is still running after `timeoutMs`. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 10_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [gatewayBin(), ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`jnhp-gateway ${args.join(' ')} still running after ${timeoutMs} ms; stdout: ${stdout}`));
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
