// An unref'd timer that is not yet due when nothing else is pending never
// runs: the loop ends at once.
const log = (...a) => console.log(a.map(String).join(' '));
setTimeout(() => log('must not run'), 200).unref();
setInterval(() => log('must not run either'), 100).unref();
log('script done');
