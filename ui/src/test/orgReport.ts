// An organization's report as the core sends it, for the model's and the view's tests.

import type { OrganizationReport } from '../lib/api';
import { DEFAULT_ROLE } from '../views/organization.model';

// As the core sends it: findings most severe first, then by account id; accounts by id.
export const ORG_REPORT: OrganizationReport = {
  profile: 'admin',
  role: DEFAULT_ROLE,
  accounts: [
    { account_id: '111111111111', account_name: 'prod', status: 'checked', users: 2, high: 1, medium: 0, low: 1 },
    { account_id: '222222222222', account_name: 'closed-one', status: 'skipped', reason: 'suspended' },
    {
      account_id: '333333333333',
      account_name: 'roleless',
      status: 'not_checked',
      reason: 'AccessDenied on sts:AssumeRole of arn:aws:iam::333333333333:role/OrganizationAccountAccessRole: denied',
    },
    { account_id: '444444444444', account_name: 'dev', status: 'checked', users: 1, high: 1, medium: 1, low: 0 },
  ],
  findings: [
    {
      account_id: '111111111111',
      account_name: 'prod',
      check: 'console_without_mfa',
      severity: 'high',
      subject: 'bob',
      detail: '`bob` can sign in to the console with a password and has no active MFA device',
      fix: 'otpilot account enforce-mfa --profile admin --organization --accounts 111111111111 --user bob',
    },
    {
      account_id: '444444444444',
      account_name: 'dev',
      check: 'root_mfa',
      severity: 'high',
      subject: 'root',
      detail: 'the root user has no MFA',
      fix: 'in the console, signed in as root',
    },
    {
      account_id: '444444444444',
      account_name: 'dev',
      check: 'old_access_key',
      severity: 'medium',
      subject: 'ci',
      detail: 'access key 1 of `ci` is 200 days old',
      fix: 'aws iam update-access-key ...',
    },
    {
      account_id: '111111111111',
      account_name: 'prod',
      check: 'no_password_policy',
      severity: 'low',
      subject: 'account',
      detail: 'no password policy',
      fix: 'otpilot account password-policy --profile PROFILE --apply',
    },
  ],
  summary: { high: 2, medium: 1, low: 1, checked: 2, not_checked: 1, skipped: 1 },
};
