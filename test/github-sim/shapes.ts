// GitHub's JSON shapes for the simulator's answers. Every field GitHub's OpenAPI description requires is
// here (the simulator validates each response against it); values are derived from real state, never canned.
import { type CommitObject, type FileChange, type TreeEntry, ZERO_SHA } from './git.js';
import { nodeId, type SimComment, type SimLabel, type SimPull, type SimRepo, type SimUser } from './state.js';

/** Where the simulator lives: API URLs under `api`, web pages under `html` (GitHub Enterprise style). */
export interface Urls {
  readonly api: string;
  readonly html: string;
}

type Json = Record<string, unknown>;

export function userJson(urls: Urls, user: SimUser): Json {
  // Bot logins end in `[bot]`; GitHub percent-encodes them in URLs, which must be valid URIs.
  const login = encodeURIComponent(user.login);
  const api = `${urls.api}/users/${login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === 'Bot' ? 'BOT' : 'U', user.login),
    avatar_url: `${urls.html}/avatars/${user.id}`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.html}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    site_admin: false,
  };
}

export function repoApi(urls: Urls, repo: SimRepo): string {
  return `${urls.api}/repos/${repo.owner}/${repo.name}`;
}

export function repoHtml(urls: Urls, repo: SimRepo): string {
  return `${urls.html}/${repo.owner}/${repo.name}`;
}

/** The `repository` schema (as nested in pulls); `full` adds what GET /repos/{owner}/{repo} has on top. */
export function repositoryJson(urls: Urls, repo: SimRepo, owner: SimUser, full = false): Json {
  const api = repoApi(urls, repo);
  const html = repoHtml(urls, repo);
  const openIssues = [...repo.pulls.values()].filter((p) => p.state === 'open').length;
  const json: Json = {
    id: repo.id,
    node_id: nodeId('R', `${repo.owner}/${repo.name}`),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: userJson(urls, owner),
    private: true,
    html_url: html,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `${html.replace(/^https?:/, 'git:')}.git`,
    hooks_url: `${api}/hooks`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@sim:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    svn_url: html,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    license: null,
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_auto_merge: repo.allowAutoMerge,
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    delete_branch_on_merge: false,
  };
  return full ? { ...json, has_discussions: false, network_count: 0, subscribers_count: 0 } : json;
}

export function labelJson(urls: Urls, repo: SimRepo, label: SimLabel): Json {
  return {
    id: label.id,
    node_id: nodeId('LA', `${repo.owner}/${repo.name}/${label.name}`),
    url: `${repoApi(urls, repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    // Nullable in `label`, a plain string where PRs embed labels: GitHub's description says both.
    description: label.description ?? '',
    color: label.color,
    default: false,
  };
}

export function commentJson(urls: Urls, repo: SimRepo, comment: SimComment): Json {
  return {
    id: comment.id,
    node_id: nodeId('IC', String(comment.id)),
    url: `${repoApi(urls, repo)}/issues/comments/${comment.id}`,
    html_url: `${repoHtml(urls, repo)}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${repoApi(urls, repo)}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(urls, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'MEMBER',
  };
}

export function gitRefJson(urls: Urls, repo: SimRepo, ref: string, sha: string, type: string): Json {
  const api = repoApi(urls, repo);
  return {
    ref,
    node_id: nodeId('REF', `${repo.owner}/${repo.name}/${ref}`),
    url: `${api}/git/${ref}`,
    object: { type, sha, url: `${api}/git/${type}s/${sha}` },
  };
}

export function gitCommitJson(urls: Urls, repo: SimRepo, commit: CommitObject): Json {
  const api = repoApi(urls, repo);
  return {
    sha: commit.sha,
    node_id: nodeId('C', `${repo.owner}/${repo.name}/${commit.sha}`),
    url: `${api}/git/commits/${commit.sha}`,
    html_url: `${repoHtml(urls, repo)}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.committer,
    message: commit.message,
    tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/git/commits/${sha}`,
      html_url: `${repoHtml(urls, repo)}/commit/${sha}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

const FILE_STATUS = { A: 'added', D: 'removed', M: 'modified', T: 'changed' } as const;

/**
 * The `commit` schema of GET /repos/{owner}/{repo}/commits/{ref}: the git commit plus the GitHub users
 * its author and committer map to (null when none), its parents, and what it changed. `files` is one
 * page of `changes`; `stats` counts them all.
 */
export function commitJson(
  urls: Urls,
  repo: SimRepo,
  commit: CommitObject,
  users: { readonly author: SimUser | null; readonly committer: SimUser | null },
  changes: { readonly all: readonly FileChange[]; readonly page: readonly FileChange[] },
): Json {
  const api = repoApi(urls, repo);
  const html = repoHtml(urls, repo);
  const git = gitCommitJson(urls, repo, commit);
  const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
  const additions = changes.all.reduce((n, c) => n + c.additions, 0);
  const deletions = changes.all.reduce((n, c) => n + c.deletions, 0);
  return {
    sha: commit.sha,
    node_id: git.node_id,
    url: `${api}/commits/${commit.sha}`,
    html_url: `${html}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: git.url,
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
      comment_count: 0,
      tree: git.tree,
      verification: git.verification,
    },
    author: users.author && userJson(urls, users.author),
    committer: users.committer && userJson(urls, users.committer),
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${html}/commit/${sha}`,
    })),
    stats: { additions, deletions, total: additions + deletions },
    files: changes.page.map((c) => ({
      // A removed file shows the blob it had; every other change the blob it has now.
      sha: c.after === ZERO_SHA ? c.before : c.after,
      filename: c.path,
      status: FILE_STATUS[c.status],
      additions: c.additions,
      deletions: c.deletions,
      changes: c.additions + c.deletions,
      blob_url: `${html}/blob/${commit.sha}/${encodePath(c.path)}`,
      raw_url: `${html}/raw/${commit.sha}/${encodePath(c.path)}`,
      contents_url: `${api}/contents/${encodePath(c.path)}?ref=${commit.sha}`,
    })),
  };
}

export function gitTreeJson(urls: Urls, repo: SimRepo, sha: string, entries: TreeEntry[], prefix = ''): Json {
  const api = repoApi(urls, repo);
  return {
    sha,
    url: `${api}/git/trees/${sha}`,
    truncated: false,
    tree: entries.map((e) => ({
      path: prefix + e.name,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.size !== undefined ? { size: e.size } : {}),
      url: `${api}/git/${e.type}s/${e.sha}`,
    })),
  };
}

/** The parts of a PR that come from git: head/base tips and what the PR changes. */
export interface PullGitFacts {
  readonly headSha: string;
  readonly baseSha: string;
  readonly mergeable: boolean | null;
  readonly commits: number;
  readonly additions: number;
  readonly deletions: number;
  readonly changedFiles: number;
}

function branchJson(urls: Urls, repo: SimRepo, owner: SimUser, branch: string, sha: string): Json {
  return {
    label: `${repo.owner}:${branch}`,
    ref: branch,
    sha,
    user: userJson(urls, owner),
    repo: repositoryJson(urls, repo, owner),
  };
}

/** `pull-request-simple` (lists, reviewer requests), or the full `pull-request` when `facts.full`. */
export function pullJson(
  urls: Urls,
  repo: SimRepo,
  owner: SimUser,
  pull: SimPull,
  facts: PullGitFacts,
  full: boolean,
): Json {
  const api = `${repoApi(urls, repo)}/pulls/${pull.number}`;
  const issue = `${repoApi(urls, repo)}/issues/${pull.number}`;
  const html = `${repoHtml(urls, repo)}/pull/${pull.number}`;
  const teamJson = (slug: string) => ({
    id: [...slug].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7),
    node_id: nodeId('T', `${repo.owner}/${slug}`),
    url: `${urls.api}/orgs/${repo.owner}/teams/${slug}`,
    html_url: `${urls.html}/orgs/${repo.owner}/teams/${slug}`,
    name: slug,
    slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${urls.api}/orgs/${repo.owner}/teams/${slug}/members{/member}`,
    repositories_url: `${urls.api}/orgs/${repo.owner}/teams/${slug}/repos`,
    parent: null,
    type: 'organization',
  });
  const link = (href: string) => ({ href });
  const json: Json = {
    url: api,
    id: pull.id,
    node_id: nodeId('PR', `${repo.owner}/${repo.name}#${pull.number}`),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApi(urls, repo)}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: `${repoApi(urls, repo)}/statuses/${facts.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(urls, pull.user),
    body: pull.body,
    labels: pull.labels.map((name) => labelJson(urls, repo, repo.labels.get(name)!)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: pull.requestedReviewers.map((login) =>
      userJson(urls, {
        login,
        id: [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 11),
        type: 'User',
      }),
    ),
    requested_teams: pull.requestedTeams.map(teamJson),
    head: branchJson(urls, repo, owner, pull.head, facts.headSha),
    base: branchJson(urls, repo, owner, pull.base, facts.baseSha),
    _links: {
      self: link(api),
      html: link(html),
      issue: link(issue),
      comments: link(`${issue}/comments`),
      review_comments: link(`${api}/comments`),
      review_comment: link(`${repoApi(urls, repo)}/pulls/comments{/number}`),
      commits: link(`${api}/commits`),
      statuses: link(`${repoApi(urls, repo)}/statuses/${facts.headSha}`),
    },
    author_association: 'MEMBER',
    auto_merge: pull.autoMerge && {
      enabled_by: userJson(urls, pull.autoMerge.enabledBy),
      merge_method: pull.autoMerge.mergeMethod,
      commit_title: pull.autoMerge.commitTitle,
      commit_message: pull.autoMerge.commitMessage,
    },
    draft: pull.draft,
  };
  if (!full) return json;
  const merged = pull.mergedAt !== null;
  return {
    ...json,
    merged,
    mergeable: pull.state === 'open' ? facts.mergeable : null,
    rebaseable: pull.state === 'open' ? facts.mergeable : null,
    mergeable_state:
      pull.state !== 'open' ? 'unknown' : facts.mergeable ? (pull.draft ? 'draft' : 'clean') : 'dirty',
    merged_by: pull.mergedBy && userJson(urls, pull.mergedBy),
    comments: repo.comments.get(pull.number)?.length ?? 0,
    review_comments: 0,
    maintainer_can_modify: pull.maintainerCanModify,
    commits: facts.commits,
    additions: facts.additions,
    deletions: facts.deletions,
    changed_files: facts.changedFiles,
  };
}
