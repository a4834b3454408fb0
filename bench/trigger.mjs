// What a JavaScript action does for one go-live trigger: POST, read the operation URL.
const [url, token] = process.argv.slice(2);
const response = await fetch(url, {
  method: "POST",
  headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
});
const location = response.headers.get("operation-location") ?? response.headers.get("location");
if (response.status !== 202 || !location) {
  console.error(`unexpected answer ${response.status}`);
  process.exit(1);
}
console.log(location);
