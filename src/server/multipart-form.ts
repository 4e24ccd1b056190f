import busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import type { UploadForm } from '../contract/keystores.ts';
import { unkeepableText } from '../domain/well-formed.ts';

/** Form fields and files a form may have (a form is one file and a few words). */
const LIMITS = { files: 1, fields: 16, fieldSize: 64 * 1024, parts: 20 };

/**
 * A multipart/form-data body read whole: its text fields and its one file (`file`). A second file,
 * too many fields or a field too long is an error that says so.
 */
export function parseForm(headers: IncomingHttpHeaders, body: Buffer): Promise<UploadForm> {
  return new Promise((resolve, reject) => {
    const form: UploadForm = { fields: {} };
    let failed: Error | undefined;
    const fail = (message: string) => (failed ??= new Error(message));
    // Clients (browsers, the CLI, the SDKs) send a file name as raw UTF-8 in `filename="…"`;
    // busboy would read those bytes as Latin-1 (its default) and turn `tëst.xml` into `tÃ«st.xml`.
    const parser = busboy({ headers, limits: LIMITS, defParamCharset: 'utf8' });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(`field ${name} is longer than ${LIMITS.fieldSize} bytes`);
      form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      // A form cut short errs on the file's stream too: unheard, that error would end the process.
      stream.on('error', (e: Error) => reject(e));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (name !== 'file') return fail(`the form's file goes in field "file", not "${name}"`);
        form.file = { filename: info.filename ?? '', data: Buffer.concat(chunks) };
      });
    });
    parser.on('filesLimit', () => fail('the form may hold one file'));
    parser.on('fieldsLimit', () => fail(`the form may hold ${LIMITS.fields} fields`));
    parser.on('partsLimit', () => fail(`the form may hold ${LIMITS.parts} parts`));
    parser.on('error', (e: Error) => reject(e));
    parser.on('close', () => {
      const fault = unkeepableText({ ...form.fields, ...(form.file && { filename: form.file.filename }) });
      if (fault) fail(`field ${fault.field} ${fault.problem}`);
      if (failed) reject(failed);
      else resolve(form);
    });
    parser.end(body);
  });
}
