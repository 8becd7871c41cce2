/** @module The repository's own Node server: `npx tsx src/entries/node.ts` serves on PORT (default 8787). */
import { serve } from '../runtime/node.ts';

serve();
