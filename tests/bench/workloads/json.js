function roundTrip(text) { return JSON.stringify(JSON.parse(text)).length }
