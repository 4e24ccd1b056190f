/**
 * What a build waits for of a runner (an env.resource's arch and pool, as RunnerPlace), in words:
 * `arch arm64, pool gpu`, or `any runner`. For the CLI and the dashboard alike.
 */
export function placeText(place: { arch?: string; pool?: string }): string {
  return (
    [place.arch && `arch ${place.arch}`, place.pool && `pool ${place.pool}`].filter(Boolean).join(', ') ||
    'any runner'
  );
}
