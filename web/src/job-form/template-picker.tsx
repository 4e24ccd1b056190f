import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { JobParameterDoc, JobStepDoc } from '../../../src/domain/job-document.ts';
import { useAsync } from '../app/use-async.ts';
import { ErrorMessage } from '../components/error-message.tsx';

/** What a template gives a new job. */
export interface Picked {
  /** The template's uuid (recorded with SaveTemplateUsedInfo once the job exists). */
  uuid: string;
  steps: JobStepDoc[];
  parameters: JobParameterDoc[];
}

/**
 * "Start from": a blank job, one of Kiln's official templates, or one of the domain's own; picking
 * one fills the form's steps and parameters (its name and repository stay).
 */
export function TemplatePicker({
  client,
  onPick,
}: {
  client: Kiln;
  onPick: (p: Picked | undefined) => void;
}) {
  const choices = useAsync(async () => {
    const [official, custom] = await Promise.all([
      client.listOfficialTemplate({ query: { page_size: '100' } }),
      client.listCustomTemplate({ query: { page_size: 100 } }),
    ]);
    return { official: official.result.items, custom: custom.result.items };
  }, [client]);
  const [value, setValue] = useState('');
  const pick = (uuid: string) => {
    setValue(uuid);
    const t =
      choices.data?.official.find((x) => x.uuid === uuid) ??
      choices.data?.custom.find((x) => x.uuid === uuid);
    onPick(t && { uuid: t.uuid, steps: t.template.steps, parameters: t.parameters });
  };
  return (
    <div className="template-picker">
      <label className="field">
        Start from
        <select value={value} onChange={(e) => pick(e.target.value)} data-testid="start-from">
          <option value="">A blank job</option>
          {choices.data && (
            <optgroup label="Kiln's templates">
              {choices.data.official.map((t) => (
                <option key={t.uuid} value={t.uuid}>
                  {t.nick_name}: {t.description}
                </option>
              ))}
            </optgroup>
          )}
          {choices.data && choices.data.custom.length > 0 && (
            <optgroup label="Your domain's templates">
              {choices.data.custom.map((t) => (
                <option key={t.uuid} value={t.uuid}>
                  {t.name}
                  {t.description && `: ${t.description}`}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      <ErrorMessage error={choices.error} title="The templates could not be read." />
    </div>
  );
}

/** Saves the job's steps and parameters as a template of the domain. */
export function SaveAsTemplate({ client, jobId }: { client: Kiln; jobId: string }) {
  const [name, setName] = useState('');
  const [done, setDone] = useState('');
  const [failed, setFailed] = useState<unknown>(undefined);
  return (
    <details className="save-template">
      <summary>Save as template</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setFailed(undefined);
          setDone('');
          client
            .listJobConfig({ params: { job_id: jobId } })
            .then((doc) =>
              client.createTemplate({
                body: {
                  name: name.trim(),
                  template: { steps: doc.result.steps },
                  ...(doc.result.parameters && { parameters: doc.result.parameters }),
                },
              }),
            )
            .then(() => setDone(`Saved: new jobs can start from “${name.trim()}”.`), setFailed);
        }}
      >
        <label className="field">
          Template name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <button type="submit">Save</button> {done && <span role="status">{done}</span>}
        <ErrorMessage error={failed} title="The template could not be saved." />
      </form>
    </details>
  );
}
