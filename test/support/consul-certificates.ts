// A CA and the certificates a TLS test needs, made with openssl in a temporary directory: a server
// certificate for a Consul agent that names only `server.dc1.consul` (as Consul's own `consul tls cert create`
// does, so a client must set the server name), a client certificate from the same CA, and a second,
// unrelated CA to stand for a wrong one.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SERVER_NAME = 'server.dc1.consul';

export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the agent's and the client's certificates. */
  readonly caFile: string;
  readonly ca: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A CA that signed nothing here. */
  readonly otherCaFile: string;
  readonly otherCa: string;
  readonly serverName: string;
  remove(): Promise<void>;
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'proxyless-tls-'));
  const path = (name: string) => join(dir, name);
  try {
    await ca(path('ca'), 'proxyless test CA');
    await ca(path('other-ca'), 'an unrelated CA');
    await signed(dir, path('server'), SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    await signed(dir, path('client'), 'client.dc1.consul', 'extendedKeyUsage=clientAuth\n');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const text = (name: string) => readFile(path(name), 'utf8');
  return {
    dir,
    caFile: path('ca.pem'),
    ca: await text('ca.pem'),
    serverCertFile: path('server.pem'),
    serverKeyFile: path('server.key'),
    clientCertFile: path('client.pem'),
    clientKeyFile: path('client.key'),
    clientCert: await text('client.pem'),
    clientKey: await text('client.key'),
    otherCaFile: path('other-ca.pem'),
    otherCa: await text('other-ca.pem'),
    serverName: SERVER_NAME,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function ca(base: string, name: string): Promise<void> {
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${base}.key`, '-out', `${base}.pem`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function signed(dir: string, base: string, commonName: string, extensions: string): Promise<void> {
  await openssl([
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`,
  ]);
  await writeFile(`${base}.ext`, extensions);
  await openssl([
    'x509', '-req', '-in', `${base}.csr`, '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial',
    '-out', `${base}.pem`, '-days', '2', '-extfile', `${base}.ext`,
  ]);
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 20_000 });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new Error('the TLS tests make their certificates with openssl, which is not installed: install the Debian package `openssl`');
    }
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`openssl ${args[0]} failed: ${typeof stderr === 'string' ? stderr.trim() : String(error)}`);
  }
}
