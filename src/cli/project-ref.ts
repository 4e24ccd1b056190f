import type { Kiln } from '../client/kiln-client.ts';
import { isId32 } from '../domain/ids.ts';
import { CliError } from './context.ts';

/** A project id from an id or a name the caller can see. */
export async function resolveProject(client: Kiln, ref: string): Promise<string> {
  if (isId32(ref)) return ref;
  const list = (await client.showRelatedProject()).result.project_info_list;
  const found = list.filter((p) => p.name === ref);
  if (found.length === 1 && found[0]) return found[0].identifier;
  throw new CliError(
    found.length > 1
      ? `several projects are named ${ref}; use its id`
      : `no project named ${ref} (see \`kiln projects\`)`,
  );
}
