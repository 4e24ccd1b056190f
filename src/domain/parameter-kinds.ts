import { PARAM_NAME, PARAM_NAME_RULE } from './parameter-rules.ts';
import { BRANCH_PARAMETER, STRING_PARAMETER } from './job-parameters.ts';

/** One field of a parameter definition, as an editor offers it (ShowBuildParamsList). */
export interface ParameterField {
  name: string;
  title: string;
  type: 'text' | 'textarea' | 'boolean' | 'list';
  required: boolean;
  /** The checks Kiln makes of the field's value (job-config.ts, job-document.ts). */
  constraints: { type: 'maxLen' | 'minLen' | 'regex'; value: string; errormsg: string }[];
  /** The field may be taken off a definition. */
  deletion: boolean;
  /** The field is filled in by default. */
  defaults: boolean;
}

/** A parameter definition in CodeArts' name/value list form, as a new job starts with it. */
export interface DefaultParameter {
  name: string;
  params: { name: string; value: string }[];
}

/**
 * ShowDefaultBuildParameters: the parameters a new job starts with. codeBranch picks the branch to
 * build at run time; empty (the default) builds the branch of the job's repository.
 */
export const DEFAULT_PARAMETERS: DefaultParameter[] = [
  {
    name: STRING_PARAMETER,
    params: [
      { name: 'name', value: BRANCH_PARAMETER },
      { name: 'type', value: 'normalparam' },
      { name: 'defaultValue', value: '' },
      { name: 'description', value: "The branch to build; empty: the branch of the job's repository" },
      { name: 'deletion', value: 'false' },
      { name: 'defaults', value: 'true' },
    ],
  },
];

/** A kind of parameter a job may define, with its fields. */
export interface ParameterKind {
  name: string;
  title: string;
  params: ParameterField[];
}

const maxLen = (n: number) =>
  ({ type: 'maxLen', value: String(n), errormsg: `at most ${n} characters` }) as const;

/**
 * The parameter kinds Kiln runs builds with: CodeArts' string parameter, whose name/value list
 * Kiln reads as `parameterSpec` does (a choice is a string parameter with `limits`). The checks are
 * the ones a job's create and update make.
 */
export const PARAMETER_KINDS: ParameterKind[] = [
  {
    name: STRING_PARAMETER,
    title: 'String Parameters',
    params: [
      {
        name: 'name',
        title: 'Parameter',
        type: 'text',
        required: true,
        constraints: [
          maxLen(128),
          { type: 'minLen', value: '1', errormsg: 'at least 1 character' },
          { type: 'regex', value: PARAM_NAME.source, errormsg: PARAM_NAME_RULE },
        ],
        deletion: false,
        defaults: false,
      },
      {
        name: 'defaultValue',
        title: 'Default value',
        type: 'text',
        required: false,
        constraints: [maxLen(65536)],
        deletion: false,
        defaults: true,
      },
      {
        name: 'description',
        title: 'Description',
        type: 'textarea',
        required: false,
        constraints: [maxLen(65536)],
        deletion: true,
        defaults: true,
      },
      {
        name: 'sensitiveVar',
        title: 'Sensitive: masked in logs and in the job as shown',
        type: 'boolean',
        required: false,
        constraints: [],
        deletion: true,
        defaults: true,
      },
      {
        name: 'limits',
        title: 'Allowed values (a choice); none: any value',
        type: 'list',
        required: false,
        constraints: [],
        deletion: true,
        defaults: false,
      },
    ],
  },
];
