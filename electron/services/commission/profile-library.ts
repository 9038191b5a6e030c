import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { profileProblems } from '../../../shared/commission/profile.js';
import { AppErrorException, appError } from '../../../shared/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { writeAtomic } from '../common/write-atomic.js';
import { commissionDir } from './session-files.js';

export interface SavedProfile {
  name: string;
  text: string;
  updatedAt: number;
}

/** A profile's name is its file's name: letters, digits, spaces, ".", "_", "-"; no path in it. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/**
 * The hardware profiles a site commissions against, kept by name in `<data dir>/commissioning/
 * profiles/`, so a field tech picks "Radiology 4 x L40S" instead of pasting YAML. Only a valid
 * profile is saved, and saving is audited (with the text's hash).
 */
export class ProfileLibrary {
  constructor(
    private readonly dataDir: string,
    private readonly audit: AuditLog,
  ) {}

  private dir(): string {
    return path.join(commissionDir(this.dataDir), 'profiles');
  }

  list(): SavedProfile[] {
    const dir = this.dir();
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && PROFILE_NAME.test(f.slice(0, -5)))
      .map((f) => {
        const file = path.join(dir, f);
        return { name: f.slice(0, -5), text: fs.readFileSync(file, 'utf8'), updatedAt: fs.statSync(file).mtimeMs };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async save(name: string, text: string): Promise<SavedProfile> {
    if (!PROFILE_NAME.test(name))
      throw new AppErrorException(
        appError('VALIDATION', `"${name.slice(0, 80)}" cannot name a profile`, 'Use letters, digits, spaces, ".", "_" or "-" (up to 64).'),
      );
    const problems = profileProblems(text);
    if (problems.length)
      throw new AppErrorException(
        appError(
          'VALIDATION',
          `The profile is invalid (line ${problems[0]!.line}: ${problems[0]!.message})`,
          'Fix it, then save it again.',
        ),
      );
    const file = path.join(this.dir(), `${name}.yaml`);
    const sha256 = crypto.createHash('sha256').update(text).digest('hex');
    return this.audit.perform({ action: 'commission.profile_save', target: {}, params: { profile: name, sha256 } }, () => {
      writeAtomic(file, text);
      return { name, text, updatedAt: fs.statSync(file).mtimeMs };
    });
  }
}
