// Secrets a door knows (a registry password, a token it was handed or fetched) removed from any text it
// prints. A registry or API that echoes request headers in its error body would otherwise hand them back
// into the log, and the runner's masking only covers the exact strings registered with add-mask: the
// base64 of a Basic `user:password` is a different string from the password.

/** Shorter values are too likely to appear by chance (and the runner does not mask them either). */
const MIN_SECRET_LENGTH = 4;

export interface Redactor {
  /** Adds a secret, with the forms it travels in (base64, URL- and JSON-escaped). */
  add(secret: string | undefined): void;
  /** Adds a Basic credential: the password, and the base64 `user:password` an Authorization header carries. */
  addBasic(username: string | undefined, password: string | undefined): void;
  /** Every form of every secret it knows, e.g. to register each with add-mask. */
  readonly forms: readonly string[];
  redact(text: string): string;
}

export function createRedactor(secrets: Iterable<string | undefined> = []): Redactor {
  const forms = new Set<string>();
  const addForm = (form: string) => {
    if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  };
  const redactor: Redactor = {
    add(secret) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) return;
      addForm(secret);
      addForm(Buffer.from(secret, 'utf8').toString('base64'));
      addForm(encodeURIComponent(secret));
      addForm(JSON.stringify(secret).slice(1, -1));
    },
    addBasic(username, password) {
      redactor.add(password);
      if (username && password) addForm(Buffer.from(`${username}:${password}`, 'utf8').toString('base64'));
    },
    get forms() {
      return [...forms];
    },
    redact(text) {
      let out = text;
      // Longest first, so a secret that contains another is removed whole.
      for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
      return out;
    },
  };
  for (const secret of secrets) redactor.add(secret);
  return redactor;
}
