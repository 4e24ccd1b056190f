import { useState } from 'react';

/**
 * Copies `text` to the clipboard and says whether it did. The clipboard is there only on HTTPS
 * (and on localhost); elsewhere the button says to copy by hand, from a field that selects its
 * text when focused.
 */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    try {
      // Absent outside a secure context, whatever the types say.
      if (!(navigator.clipboard as Clipboard | undefined)) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setSaid('Copied.');
    } catch {
      setSaid('This browser does not let the page copy here: select the text and copy it yourself.');
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className="copy-outcome">
        {said}
      </span>
    </>
  );
}
