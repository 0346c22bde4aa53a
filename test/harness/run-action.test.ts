import { describe, expect, it } from 'vitest';
import { inputEnvName, parseFileCommand, parseWorkflowCommands } from './run-action.js';

describe('runner harness', () => {
  it('names inputs as the runner does, keeping hyphens', () => {
    expect(inputEnvName('fail-on-warning')).toBe('INPUT_FAIL-ON-WARNING');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  it('reads file commands in both the key=value and heredoc forms', () => {
    const text = 'a=1\nsummary<<ghadelimiter_x\nline one\nline=two\nghadelimiter_x\nb=\n';
    expect(parseFileCommand(text)).toEqual({ a: '1', summary: 'line one\nline=two', b: '' });
  });

  it('refuses an unterminated heredoc instead of guessing', () => {
    expect(() => parseFileCommand('x<<EOF\nnever closed\n')).toThrow(/Unterminated/);
  });

  it('decodes workflow commands with escaped properties and messages', () => {
    const [error, mask] = parseWorkflowCommands(
      '::error file=a%2Cb.yaml,line=3,col=5,title=x%3Ay::bad%0Avalue 100%25\nplain log line\n::add-mask::s3cr3t\n',
    );
    expect(error).toEqual({
      command: 'error',
      properties: { file: 'a,b.yaml', line: '3', col: '5', title: 'x:y' },
      message: 'bad\nvalue 100%',
    });
    expect(mask).toEqual({ command: 'add-mask', properties: {}, message: 's3cr3t' });
  });
});
