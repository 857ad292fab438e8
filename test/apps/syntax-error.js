// Fails at load: every worker dies before listening.
const x = ;
