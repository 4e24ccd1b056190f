import { Type } from 'typebox';
import { BuildNoParams, Envelope } from './common.ts';

/**
 * What builds keep: ShowOutputInfo (reference, CodeArts' output details) and Kiln's own artifact
 * list and download.
 */

/** One output of a build, as ShowOutputInfo gives it (`OutPutResult`). */
const OutPutResult = Type.Object({
  project_id: Type.String({ description: "The job's project" }),
  name: Type.String({ description: "The artifact's name" }),
  version: Type.String({ description: 'The release version (the build number unless the step gave one)' }),
  package_type: Type.String({ description: '"generic": Kiln keeps files as they are' }),
  uri: Type.String({ description: "Kiln's download path of the artifact" }),
  type: Type.String({ description: '"package"' }),
  daily_build_number: Type.String(),
});

/** ShowOutputInfo answer: the build's packages by name (images: none, Kiln pushes none). */
export const OutputInfo = Type.Object({
  result: Type.Object({
    package_info: Type.Union([OutPutResult, Type.Null()], {
      description: 'The artifact kept last; null when the build kept none',
    }),
    package_infos: Type.Union([Type.Record(Type.String(), OutPutResult), Type.Null()]),
    image_infos: Type.Union([Type.Record(Type.String(), OutPutResult), Type.Null()]),
  }),
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ description: '"success"' }),
});

/** One artifact in Kiln's list. */
const ArtifactItem = Type.Object({
  name: Type.String(),
  version: Type.String(),
  size: Type.Integer({ description: 'Bytes' }),
  sha256: Type.String(),
  content_type: Type.String(),
  created_at: Type.Integer({ description: 'Epoch ms when it was kept' }),
  uri: Type.String({ description: 'Download path' }),
});

/** ListBuildArtifacts answer. */
export const ArtifactList = Envelope(Type.Object({ artifacts: Type.Array(ArtifactItem) }));

/** DownloadBuildArtifact path. */
export const ArtifactParams = Type.Object({
  ...BuildNoParams.properties,
  name: Type.String({ minLength: 1, maxLength: 255, description: "The artifact's name" }),
});
