/**
 * The check a device operation applies, inside its own transaction, to the user document it
 * reads anyway: authentication without a read of its own (recognize.ts makes it).
 */
import type {UserDoc} from '../firestore/collections';

/**
 * Decides, from the user's document as the operation's transaction read it (undefined when
 * there is none), whether the request may act as that user. False means "not known here",
 * never "refused": the caller then authenticates the full way.
 */
export type Admit = (user: UserDoc | undefined) => boolean;
