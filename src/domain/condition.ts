/**
 * The `condition` expressions of build.yml `envs` (shared/spec/build-yaml.md §4.4): a parameter
 * written bare, compared with a quoted string or a number (`machineArch == 'ARM'`, `p == 1`).
 * CodeArts documents only `==`; Kiln also takes `!=`, `&&`, `||`, `!` and parentheses. Values are
 * compared as trimmed strings; a parameter that is not set is ''.
 */

type Token = { kind: 'op'; text: string } | { kind: 'str'; text: string } | { kind: 'name'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`the string starting at character ${i + 1} is not closed`);
      tokens.push({ kind: 'str', text: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      const op =
        ['==', '!=', '&&', '||'].find((o) => text.startsWith(o, i)) ?? (/[()!]/.test(c) ? c : undefined);
      if (op) {
        tokens.push({ kind: 'op', text: op });
        i += op.length;
        continue;
      }
      const word = /^[A-Za-z0-9_.-]+/.exec(text.slice(i))?.[0];
      if (!word) throw new Error(`unexpected "${c}" at character ${i + 1}`);
      tokens.push(/^-?\d/.test(word) ? { kind: 'str', text: word } : { kind: 'name', text: word });
      i += word.length;
    }
  }
  return tokens;
}

/** Evaluates `text` with parameter values from `lookup`; throws an Error saying what is wrong. */
export function evaluateCondition(text: string, lookup: (name: string) => string | undefined): boolean {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const take = (op: string) => {
    const t = peek();
    if (t?.kind === 'op' && t.text === op) {
      at++;
      return true;
    }
    return false;
  };
  const value = (): string => {
    const t = tokens[at++];
    if (!t) throw new Error('the expression ends where a value is expected');
    if (t.kind === 'str') return t.text.trim();
    if (t.kind === 'name') return (lookup(t.text) ?? '').trim();
    throw new Error(`"${t.text}" where a value is expected`);
  };
  const comparison = (): boolean => {
    if (take('!')) return !comparison();
    if (take('(')) {
      const inner = or();
      if (!take(')')) throw new Error('a "(" is not closed');
      return inner;
    }
    const left = value();
    if (take('==')) return left === value();
    if (take('!=')) return left !== value();
    return left !== '' && left !== 'false';
  };
  const and = (): boolean => {
    let result = comparison();
    while (take('&&')) result = comparison() && result;
    return result;
  };
  const or = (): boolean => {
    let result = and();
    while (take('||')) result = and() || result;
    return result;
  };
  if (tokens.length === 0) throw new Error('the condition is empty');
  const result = or();
  const rest = peek();
  if (rest) throw new Error(`unexpected "${rest.text}" after a complete expression`);
  return result;
}
