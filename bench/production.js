/** Imported first: peers that have a development build (React) run their production build, as a server would. */
process.env.NODE_ENV = "production";
