// Template metadata (template.yaml) and the project's record (.slipway/template.yaml) are plain YAML data,
// read with js-yaml: generating a project then never loads the position-keeping parser, which is for the
// files users edit and want findings in at file:line:col (see config/source.ts), and costs several times
// more to start.
import { CORE_SCHEMA, FAILSAFE_SCHEMA, load, YAMLException } from 'js-yaml';
import { SlipwayError } from '../errors/index.js';

/**
 * `text` read as YAML 1.2's core schema, or with `strings` every scalar as a string (YAML's failsafe
 * schema: for data that is strings throughout, so no library's idea of a number can change a value);
 * bad YAML is an error naming file:line:col.
 */
export function parseYamlData(text: string, where: string, { strings = false } = {}): unknown {
  try {
    return load(text, { schema: strings ? FAILSAFE_SCHEMA : CORE_SCHEMA, filename: where });
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const at = error.mark ? `${where}:${error.mark.line + 1}:${error.mark.column + 1}` : where;
    throw new SlipwayError(`${at}: this is not valid YAML (${error.reason}).`, {
      where: at,
      expected: 'valid YAML',
    });
  }
}
