/**
 * A throwaway nginx for tests: round robin over the given upstream ports on a
 * free loopback port, proxying with the deploy kit's own location block
 * (deploy/nginx/mcp-proxy.conf), so the test runs the configuration ops
 * teams deploy. Everything (config, pid, logs, temp files) sits in a temp
 * folder removed at teardown.
 *
 * Missing binary: under CI=true the test fails (CI installs Debian's `nginx`
 * package); locally the test is skipped with a loud reason.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { findBinary, missingBinary } from './binaries.ts'
import { freePort } from './postgres.ts'
import { waitForPort } from './redis.ts'
import { ROOT } from './server-process.ts'

export interface NginxServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  port: number
  /** nginx's error log so far (for failure messages). */
  errors (): Promise<string>
}

export async function startNginx (t: Test, upstreamPorts: number[]): Promise<NginxServer | undefined> {
  const binary = findBinary('nginx', process.env.NGINX)
  if (binary === undefined) {
    missingBinary(t, 'nginx', '"nginx" not found: install Debian\'s "nginx" package')
    return undefined
  }
  const dir = await mkdtemp(join(tmpdir(), 'nginxtest-'))
  // Workers may run as another user (nobody): they need to reach the temp files.
  await chmod(dir, 0o777)
  const port = await freePort()
  const asRoot = process.getuid?.() === 0
  const config = `
${asRoot ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $mcp_connection {
    default upgrade;
    ''      '';
  }
  upstream mcp {
${upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`).join('\n')}
    # As deploy/nginx/nginx.conf: enough idle upstream connections for the benchmark's 50 clients (16 made nginx open and close connections under load).
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    include ${join(ROOT, 'deploy/nginx/mcp-proxy.conf')};
  }
}
`
  const file = join(dir, 'nginx.conf')
  await writeFile(file, config)
  const child: ChildProcess = spawn(binary, ['-p', dir, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const onExit = (): void => { child.kill('SIGKILL') }
  process.once('exit', onExit)
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    process.removeListener('exit', onExit)
    await rm(dir, { recursive: true, force: true })
  })
  const errors = async () => stderr + await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')
  await waitForPort(port, child, () => stderr)
  return { url: `http://127.0.0.1:${port}`, port, errors }
}
