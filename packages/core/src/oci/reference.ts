// Artifact references: `registry/repository:tag`, `registry/repository@sha256:…`, and for OCI layouts
// `oci:<directory>:<tag>` or `oci:<directory>@sha256:…` (skopeo's and ORAS's spelling).
import { isDigest } from './digest.js';
import { OciError } from './errors.js';

export const REPOSITORY_PATTERN =
  /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const REGISTRY_PATTERN = /^[A-Za-z0-9.-]+(?::[0-9]+)?$/;

export type ArtifactReference =
  | {
      readonly kind: 'registry';
      readonly registry: string;
      readonly repository: string;
      readonly ref: string;
    }
  | { readonly kind: 'layout'; readonly directory: string; readonly ref: string };

/**
 * The one parser of artifact references. `ref` is a tag or a digest; a reference without either names the
 * tag `latest`, as docker does; with both, the digest.
 */
export function parseReference(text: string): ArtifactReference {
  const where = `Invalid artifact reference '${text}'.`;
  if (text.startsWith('oci:')) {
    const rest = text.slice('oci:'.length);
    const at = rest.lastIndexOf('@');
    if (at > 0 && isDigest(rest.slice(at + 1)))
      return { kind: 'layout', directory: rest.slice(0, at), ref: rest.slice(at + 1) };
    const colon = rest.lastIndexOf(':');
    if (colon > 0 && TAG_PATTERN.test(rest.slice(colon + 1))) {
      return { kind: 'layout', directory: rest.slice(0, colon), ref: rest.slice(colon + 1) };
    }
    if (rest) return { kind: 'layout', directory: rest, ref: 'latest' };
    throw new OciError(`${where} Expected oci:<directory>:<tag> or oci:<directory>@sha256:<hex>.`);
  }
  const slash = text.indexOf('/');
  if (slash <= 0) throw new OciError(`${where} Expected <registry>/<repository>:<tag> or …@sha256:<hex>.`);
  const registry = text.slice(0, slash);
  let path = text.slice(slash + 1);
  let ref = 'latest';
  const at = path.indexOf('@');
  if (at >= 0) {
    ref = path.slice(at + 1);
    path = path.slice(0, at);
    if (!isDigest(ref)) throw new OciError(`${where} '${ref}' is not a digest; expected sha256:<64 hex>.`);
    // `name:1.3.0@sha256:…`: the digest pins it, the tag beside it is only a label (docker reads it so too).
    const colon = path.lastIndexOf(':');
    if (colon >= 0 && TAG_PATTERN.test(path.slice(colon + 1))) path = path.slice(0, colon);
  } else {
    const colon = path.lastIndexOf(':');
    if (colon >= 0) {
      ref = path.slice(colon + 1);
      path = path.slice(0, colon);
      if (!TAG_PATTERN.test(ref))
        throw new OciError(`${where} Tag '${ref}' must match ${TAG_PATTERN.source}.`);
    }
  }
  if (!REGISTRY_PATTERN.test(registry))
    throw new OciError(`${where} Registry '${registry}' is not a host[:port].`);
  if (!REPOSITORY_PATTERN.test(path)) {
    throw new OciError(
      `${where} Repository '${path}' must be lower-case path components (e.g. acme/models/iris).`,
    );
  }
  return { kind: 'registry', registry, repository: path, ref };
}

export function formatReference(reference: ArtifactReference): string {
  const sep = isDigest(reference.ref) ? '@' : ':';
  return reference.kind === 'layout'
    ? `oci:${reference.directory}${sep}${reference.ref}`
    : `${reference.registry}/${reference.repository}${sep}${reference.ref}`;
}
