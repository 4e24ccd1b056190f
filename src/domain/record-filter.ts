import { TRIGGER_WORDS, type TriggerType } from './build.ts';
import { invalidParam } from './errors.ts';

/** ListRecords' filters: each given one narrows the builds. */
export interface RecordFilter {
  triggerTypes?: TriggerType[];
  /** Builds of these branches, or of these tags (either matches when both are given). */
  branches?: string[];
  tags?: string[];
}

/** ListRecords' comma-separated filters; a trigger it does not know is a 400 naming the known ones. */
export function recordFilter(q: { triggers?: string; branches?: string; tags?: string }): RecordFilter {
  const list = (text: string | undefined) =>
    (text ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const words = Object.entries(TRIGGER_WORDS) as [TriggerType, string][];
  const triggerTypes = list(q.triggers).map((word) => {
    const found = words.find(([, w]) => w === word.toUpperCase());
    if (!found) throw invalidParam(`triggers: "${word}" is none of ${words.map(([, w]) => w).join(', ')}`);
    return found[0];
  });
  const branches = list(q.branches);
  const tags = list(q.tags);
  return {
    ...(triggerTypes.length > 0 && { triggerTypes }),
    ...(branches.length > 0 && { branches }),
    ...(tags.length > 0 && { tags }),
  };
}
