import { useEffect, useRef } from 'react';
import { CopyButton } from '../components/copy-button.tsx';
import { Field } from '../components/field.tsx';

/**
 * A key just created, with its secret key: the one time Kiln shows it (the server keeps it sealed
 * and never answers it again). Held in the page's memory only, until "I have copied it" or the page
 * is left. It takes the focus when it appears, so nobody misses it.
 */
export function NewAccessKey({ ak, sk, onDone }: { ak: string; sk: string; onDone(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [ak]);
  return (
    <section className="secret-once" aria-labelledby="new-key-title" data-testid="new-access-key">
      <h3 id="new-key-title" ref={heading} tabIndex={-1}>
        New access key {ak}
      </h3>
      <p className="secret-warning">
        <strong>Copy the secret key now: it is shown only this once.</strong> Kiln cannot show it again. Keep
        it like a password. If it is lost, delete this key and create another.
      </p>
      <Field label="Access key ID (AK)">
        {(p) => (
          <span className="with-button">
            <input {...p} readOnly className="code" value={ak} onFocus={(e) => e.target.select()} />
            <CopyButton text={ak} label="Copy AK" />
          </span>
        )}
      </Field>
      <Field label="Secret access key (SK)">
        {(p) => (
          <span className="with-button">
            <input
              {...p}
              readOnly
              className="code"
              value={sk}
              autoComplete="off"
              spellCheck={false}
              onFocus={(e) => e.target.select()}
            />
            <CopyButton text={sk} label="Copy SK" />
          </span>
        )}
      </Field>
      <button type="button" onClick={onDone}>
        I have copied it: hide the secret key
      </button>
    </section>
  );
}
