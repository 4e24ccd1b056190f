import { constants } from 'node:fs';
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
 * Streams the XML file `file` through saxes (a conforming, non-validating parser) into
 * `handler`, in bounded memory whatever the file's size. The file is opened without following a
 * symbolic link in any component (file-beneath.ts). saxes expands no entity but XML's five and fetches no DTD, so a report cannot make
 * the runner read other files or blow up in memory. Throws XmlSyntaxError for a malformed file.
 */
export async function streamXml(file: FileBeneath, handler: XmlHandler): Promise<void> {
  const parser = new SaxesParser({ position: true });
  let depth = 0;
  let failure: string | undefined;
  parser.on('error', (error) => {
    failure ??= `line ${parser.line}, column ${parser.column + 1}: ${error.message.replace(/^.*?:\d+:\d+: /, '')}`;
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
  const stream = handle.createReadStream({ encoding: 'utf8', highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) parser.write(chunk as string);
    parser.close();
  } finally {
    stream.destroy();
  }
}

/** The element's local name (a prefix such as `ns:` dropped). */
export function localName(tag: { name: string }): string {
  const i = tag.name.indexOf(':');
  return i < 0 ? tag.name : tag.name.slice(i + 1);
}
