import type { UserDto } from '../../contract/admin.ts';
import type { User } from '../../domain/identity.ts';

/** A user as the admin API shows it. */
export function toUserDto(u: User): UserDto {
  return {
    id: u.id,
    domain_id: u.domainId,
    name: u.name,
    display_name: u.displayName,
    is_admin: u.isAdmin,
    disabled: u.disabled,
    created_at: u.createdAt,
  };
}
