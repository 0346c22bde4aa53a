// A self-signed P-256 certificate and its key, made with openssl into a folder: the token server signs
// with one, and a TLS front serves one (with the IP it is reached at as its subject alternative name).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateFiles {
  readonly keyPath: string;
  readonly certPath: string;
}

export async function selfSignedCertificate(
  dir: string,
  commonName: string,
  subjectAltName?: string,
): Promise<CertificateFiles> {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-subj',
    `/CN=${commonName}`,
    ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : []),
    '-days',
    '2',
  ]);
  return { keyPath, certPath };
}
