// What the Vite build gives the page's imports beyond TypeScript's: a file imported with ?url is the
// address of a copy the build emits as an asset.
declare module '*?url' {
  const url: string;
  export default url;
}
