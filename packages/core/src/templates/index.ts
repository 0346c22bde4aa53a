// Templates: generate a project (`slipway new`, `npm create slipway`), keep it current (`slipway update`),
// and tell CI when it is behind (`slipway template check`). One generator behind every door.
export {
  type AnswerContext,
  type Answers,
  answerList,
  checkAnswer,
  modelNameFrom,
  parseSetPairs,
  type Question,
  questionFor,
  questions,
} from './answers.js';
export { findTemplate, listTemplates, readTemplateSpec, type TemplateSpec } from './catalog.js';
export { type CheckTemplateRequest, type CheckTemplateResult, checkTemplate } from './check.js';
export {
  type AskPolicy,
  chooseDirectory,
  chooseGit,
  chooseTemplate,
  collectAnswers,
  type Prompter,
} from './collect.js';
export {
  checkDirectoryName,
  directoryNameOf,
  type NewProjectRequest,
  type NewProjectResult,
  newProject,
} from './generate.js';
export { findTemplates, locateTemplates } from './locate.js';
export { type FileAction, isManaged, mergeText, type PlannedFile, planMerge } from './merge.js';
export {
  digestOf,
  readRecord,
  recordPath,
  recordText,
  type SourceRecord,
  type TemplateRecord,
} from './record.js';
export { type RenderedFiles, renderTemplate, safePath, substitute } from './render.js';
export { type DescribedSource, describeSource } from './source.js';
export { createTerminalPrompter } from './terminal-prompter.js';
export { type UpdatedFile, type UpdateProjectRequest, type UpdateResult, updateProject } from './update.js';
