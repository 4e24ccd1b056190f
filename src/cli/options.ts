import { Option, type Command } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat } from './output.ts';

/** Adds `-o, --output <format>` to a command whose output is data. */
export function outputOption(command: Command, fallback: OutputFormat = 'table'): Command {
  return command.addOption(
    new Option('-o, --output <format>', 'output format').choices([...OUTPUT_FORMATS]).default(fallback),
  );
}
