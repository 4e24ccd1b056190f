import { CliError } from './context.ts';

/** What a file operation's failure means, in words (Node's text begins with the errno name). */
export function fileProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EEXIST':
      return 'a file of that name is in the way';
    case 'ENOSPC':
      return 'no space left on the disk';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'no such directory';
    default:
      return error.message;
  }
}

/**
 * The failure for a file named on the command line that cannot be read: a directory in its place
 * is said as such (Node's "EISDIR: illegal operation on a directory" names no file), a missing
 * one as "no such file".
 */
export function cannotRead(file: string, error: NodeJS.ErrnoException): CliError {
  if (error.code === 'EISDIR') return new CliError(`${file} is a directory, not a file`);
  return new CliError(
    `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : fileProblem(error)}`,
  );
}
