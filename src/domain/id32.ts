/** The CodeArts id pattern (jobs, projects, users, domains): 32 chars of [0-9a-z]. */
export const ID32_PATTERN = '^[0-9a-z]{32}$';
