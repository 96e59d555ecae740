/**
 * The group a `/g/[id]` screen shows. The group layout looks it up once (`app.group(id)`) and
 * hands it to its pages and their components through this context, so no page repeats the lookup.
 */
import { createContext } from 'svelte';
import type { GroupSummary } from '../client/api.ts';
import type { GroupView } from './groups.svelte.ts';

export interface OpenGroup {
	/** The group id (the address holds this device's alias of it, app.groupHref). */
	readonly id: string;
	/** Its reactive view; the layout renders its pages only while there is one. */
	readonly view: GroupView;
	/** Its summary (shorthand for `view.summary`). */
	readonly group: GroupSummary | undefined;
}

export const [openGroup, setOpenGroup] = createContext<OpenGroup>();
