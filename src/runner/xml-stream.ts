import { constants } from 'node:fs';
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { openBeneath, type FileBeneath } from './file-beneath.ts';

/** What a streamed XML document is handed to: its elements as they open and close, and their text. */
export interface XmlHandler {
  open(tag: SaxesTagPlain, depth: number): void;
  close(name: string, depth: number): void;
  text?(text: string): void;
}

/** A report that is not well-formed XML: where and why. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

/**
 * The most characters one text, comment, CDATA section, attribute value or DTD of a report may
 * have. saxes gathers each into one string: V8 has none of 2^29 characters (a report of 512 MiB
 * that was one text threw a RangeError, which failed the build, where a malformed report is only
 * left out of the counts), and one appended a character or two at a time (a comment of
 * `-a-a-a...`) takes some 30 bytes a character until it ends: 32M characters bound that to about
 * 1 GB, and a test's output kept whole in a report is rarely a tenth of it. Checked after each
 * chunk, so bounded within one.
 */
export const MAX_XML_TOKEN = 32 * 1024 * 1024;

/**
 * Streams the XML file `file` through saxes (a conforming, non-validating parser) into
 * `handler`, whatever the file's size: saxes holds one text, comment, CDATA section or attribute
 * value whole (at most `maxToken` characters; appended a character or two at a time, as in a
 * comment of `-a-a-a...`, it takes some 30 bytes a character until it is done), nothing more. The
 * file is opened without following a symbolic link in any component (file-beneath.ts). saxes
 * expands no entity but XML's five and fetches no DTD, so a report cannot make the runner read
 * other files. Throws XmlSyntaxError for a malformed file, or one with a text longer than `maxToken`.
 */
export async function streamXml(
  file: FileBeneath,
  handler: XmlHandler,
  maxToken = MAX_XML_TOKEN,
): Promise<void> {
  const parser = new SaxesParser({ position: true });
  let depth = 0;
  let failure: string | undefined;
  parser.on('error', (error) => {
    failure ??= `line ${parser.line}, column ${parser.column + 1}: ${error.message.replace(/^(?:.*?:)?\d+:\d+: /, '')}`;
    throw new XmlSyntaxError(failure);
  });
  parser.on('opentag', (tag) => handler.open(tag as SaxesTagPlain, depth++));
  parser.on('closetag', (tag) => handler.close(tag.name, --depth));
  if (handler.text) {
    const text = handler.text.bind(handler);
    parser.on('text', text);
    parser.on('cdata', text);
  }
  const handle = await openBeneath(file, constants.O_RDONLY);
  const stream = handle.createReadStream({ highWaterMark: 256 * 1024 });
  let decoder: TextDecoder | undefined;
  try {
    for await (const chunk of stream) {
      decoder ??= new TextDecoder(encodingOf(chunk as Buffer));
      parser.write(decoder.decode(chunk as Buffer, { stream: true }));
      // What saxes holds of the text, comment, CDATA section, attribute value or DTD it is in.
      const pending = (parser as unknown as { text?: unknown }).text;
      if (typeof pending === 'string' && pending.length > maxToken)
        throw new XmlSyntaxError(
          `line ${parser.line}: a text, comment, CDATA section or attribute value of more than ${maxToken} characters`,
        );
    }
    if (decoder) parser.write(decoder.decode());
    parser.close();
  } finally {
    stream.destroy();
  }
}

/**
 * A report's encoding, by its byte order mark: UTF-16 (which every XML parser must read, and some
 * .NET and Windows tools write) or else UTF-8. Read as UTF-8, a UTF-16 report was "not well-formed
 * XML (line 1, column 4: text data outside of root node)". The decoder drops the mark.
 */
function encodingOf(start: Buffer): string {
  if (start[0] === 0xff && start[1] === 0xfe) return 'utf-16le';
  if (start[0] === 0xfe && start[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** The element's local name (a prefix such as `ns:` dropped). */
export function localName(tag: { name: string }): string {
  const i = tag.name.indexOf(':');
  return i < 0 ? tag.name : tag.name.slice(i + 1);
}
