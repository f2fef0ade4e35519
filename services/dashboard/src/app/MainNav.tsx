import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { NavLink, useLocation } from 'react-router';
import type { SessionUser } from '@arasul/contracts';
import { useI18n } from '../i18n/i18n';
import { Icon } from '../ui/Icon';
import { hasRole } from './context';
import { PAGES } from './routes';

const MENU_ICON = 'M4 6h16M4 12h16M4 18h16';
const CLOSE_ICON = 'M6 6l12 12M18 6L6 18';

/**
 * The main navigation, built from `PAGES` (one entry per page, filtered by role). Wide screens show it as a
 * row; narrow ones (phones, ≤ 1024 px) behind a menu button that says whether it is open (`aria-expanded`),
 * closes with Escape (focus back on the button), on a click outside, and after choosing a page.
 */
export function MainNav({ user }: { user: SessionUser }) {
  const { t } = useI18n();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const [shownAt, setShownAt] = useState(location.pathname);
  const navId = useId();
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const pages = PAGES.filter((p) => hasRole(user, p.minRole));

  // Another page is shown (also by the browser's back button): the menu has done its job.
  if (shownAt !== location.pathname) {
    setShownAt(location.pathname);
    setOpen(false);
  }

  useEffect(() => {
    if (!open) return undefined;
    const outside = (event: PointerEvent) => {
      if (event.target instanceof Node && !root.current?.contains(event.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => {
      document.removeEventListener('pointerdown', outside);
    };
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && open) {
      setOpen(false);
      toggle.current?.focus();
    }
  };

  return (
    <div className="nav-area" ref={root} onKeyDown={onKeyDown}>
      <button
        ref={toggle}
        type="button"
        className="btn btn-ghost nav-toggle"
        aria-expanded={open}
        aria-controls={navId}
        data-testid="nav-toggle"
        onClick={() => {
          setOpen((o) => !o);
        }}
      >
        <Icon path={open ? CLOSE_ICON : MENU_ICON} />
        <span>{t('nav.menu')}</span>
      </button>
      <nav id={navId} className="nav" data-open={open} aria-label={t('nav.label')}>
        <ul className="nav-list">
          {pages.map((page) => (
            <li key={page.label}>
              <NavLink
                to={page.to}
                end={page.to === '/'}
                className={({ isActive }) => `nav-link${isActive ? ' active' : ''}`}
                onClick={() => {
                  setOpen(false);
                }}
              >
                <Icon path={page.icon} />
                <span>{t(page.label)}</span>
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
    </div>
  );
}
